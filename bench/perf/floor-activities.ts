// The floor's one activity: does nothing, so what remains is Temporal's own cost.
export const floorActivities = {
  async noop(): Promise<void> {},
};

export type FloorActivities = typeof floorActivities;
