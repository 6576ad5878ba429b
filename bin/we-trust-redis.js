#!/usr/bin/env node
// The package's command: `we-trust-redis [config-file] [--option value …]` starts the server.
import '../dist/main.js';
