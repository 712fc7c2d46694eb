import { describe, expect, it } from 'vitest';
import { subscriptionRoom } from '../../../src/api/plugins/socket-io';

describe('subscriptionRoom', () => {
  it('maps exactly one filter to its room', () => {
    expect(subscriptionRoom({ workflowId: 'heal-x' })).toBe('wf:heal-x');
    expect(subscriptionRoom({ service: 'checkout' })).toBe('svc:checkout');
    expect(subscriptionRoom({ all: true })).toBe('all');
  });

  it.each([
    [undefined],
    ['heal-x'],
    [[{ all: true }]],
    [{}],
    [{ workflowId: 'a', service: 'b' }],
    [{ all: false }],
    [{ all: 'true' }],
    [{ workflowId: '' }],
    [{ workflowId: 'w'.repeat(201) }],
    [{ service: 'bad\nname' }],
    [{ service: 42 }],
    [{ room: 'all' }],
  ])('refuses %j', (payload) => {
    expect(subscriptionRoom(payload)).toBeNull();
  });
});
