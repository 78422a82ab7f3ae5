#!/usr/bin/env node
// Entry point of the `callguard` CLI. TypeScript sources run through tsx's
// loader (esbuild transpile only, same V8 JIT as compiled output).
import { register } from 'tsx/esm/api';
register();
await import('../services/cli/main.ts');
