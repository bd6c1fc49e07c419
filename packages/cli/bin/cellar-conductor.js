#!/usr/bin/env node
// Installed as the `cellar-conductor` command; the program itself is compiled to dist/.
import '../dist/bin/cellar-conductor.js';
