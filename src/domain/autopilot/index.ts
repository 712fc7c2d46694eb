export * from './policy';
export * from './incident';
export * from './decision';
export * from './signals';
export * from './notices';
export * from './prometheus';
export type * from './watch';
export * from './pushed';
