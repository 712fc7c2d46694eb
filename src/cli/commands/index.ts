import type { Command } from '../command';
import { analyzeCommand } from './analyze';
import { detectCommand } from './detect';
import { evaluateCommand } from './evaluate';
import { healCommand } from './heal';
import { learningCommand, strategiesCommand } from './strategies';
import { tokenCommand } from './token';
import { watchCommand } from './watch';

/** Every CLI subcommand, in the order `selfheal --help` lists them. */
export const commands: Command[] = [analyzeCommand, healCommand, watchCommand, strategiesCommand, learningCommand, detectCommand, evaluateCommand, tokenCommand];
