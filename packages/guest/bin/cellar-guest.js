#!/usr/bin/env node
// The guest agent, unbundled: finds its datastore among the deployment's plugins.
import { main } from '../dist/main.js';

await main(process.argv.slice(2));
