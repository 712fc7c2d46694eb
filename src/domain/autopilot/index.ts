export * from './policy';
export * from './incident';
export * from './decision';
export * from './signals';
export * from './notices';
export type * from './watch';
export * from './shadow';
export * from './timeline';
