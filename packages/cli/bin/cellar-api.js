#!/usr/bin/env node
// Installed as the `cellar-api` command; the program itself is compiled to dist/.
import '../dist/bin/cellar-api.js';
