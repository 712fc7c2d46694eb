import type { Command } from '../command';
import { detectCommand } from './detect';
import { tokenCommand } from './token';

/** Every CLI subcommand, in the order `selfheal --help` lists them. */
export const commands: Command[] = [tokenCommand, detectCommand];
