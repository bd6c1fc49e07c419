#!/usr/bin/env node
// Installed as the `cellar` command; the program itself is compiled to dist/.
import '../dist/bin/cellar.js';
