#!/usr/bin/env node
// Installed as the `cellar-taskmanager` command; the program itself is compiled to dist/.
import '../dist/bin/cellar-taskmanager.js';
