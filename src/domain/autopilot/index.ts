export * from './policy';
export * from './incident';
export * from './decision';
export * from './signals';
export type * from './watch';
