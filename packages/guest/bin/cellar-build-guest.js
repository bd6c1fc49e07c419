#!/usr/bin/env node
// Builds guest artifacts: `cellar-build-guest postgresql` or `cellar-build-guest --all`.
import '../dist/build-cli.js';
