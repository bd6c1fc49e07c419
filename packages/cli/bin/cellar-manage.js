#!/usr/bin/env node
// Installed as the `cellar-manage` command; the program itself is compiled to dist/.
import '../dist/bin/cellar-manage.js';
