import { Command } from 'commander';
const program = new Command('callguard');
program.command('hello').action(() => console.log('ok'));
await program.parseAsync(process.argv);
