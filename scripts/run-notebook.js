#!/usr/bin/env node
// The `run-notebook` bin: registers tsx's loader, then runs the TypeScript CLI.
"use strict";
require("tsx/cjs");
require("./run-notebook.ts");
