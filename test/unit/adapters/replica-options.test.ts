// A replica is never less confined than its template: user, capabilities, read-only root, limits and network come
// from the template (issue #15), and it carries the labels that let rollback remove exactly it.
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { replicaCreateOptions } from '../../../src/adapters/docker/replicas';

function template(hostConfig: Record<string, unknown>, config: Record<string, unknown> = {}): Docker.ContainerInspectInfo {
  return {
    Id: 'f'.repeat(64),
    Name: '/checkout-1',
    Config: { Image: 'checkout:1', Cmd: ['serve'], Entrypoint: null, Env: ['A=1'], Labels: { 'selfheal.service': 'checkout' }, Healthcheck: { Test: ['CMD', 'true'] }, ...config },
    HostConfig: hostConfig,
  } as unknown as Docker.ContainerInspectInfo;
}

describe('replicaCreateOptions', () => {
  it('inherits the user, dropped capabilities, read-only root, memory and pids limits and the network mode', () => {
    const hardened = template(
      { NetworkMode: 'checkout-net', CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'], ReadonlyRootfs: true, Tmpfs: { '/tmp': 'rw,size=16m' }, Memory: 67108864, MemorySwap: 67108864, PidsLimit: 50, SecurityOpt: ['no-new-privileges'], NanoCpus: 500000000, PortBindings: { '80/tcp': [{ HostPort: '8080' }] }, Binds: ['/data:/data'], RestartPolicy: { Name: 'always' } },
      { User: '1000:1000', WorkingDir: '/app' },
    );
    const options = replicaCreateOptions(hardened, 'attempt-0', 'checkout-1-heal-abc-1');
    expect(options).toMatchObject({ name: 'checkout-1-heal-abc-1', Image: 'checkout:1', User: '1000:1000', WorkingDir: '/app', Labels: { 'selfheal.service': 'checkout', 'selfheal.heal': 'attempt-0', 'selfheal.replica-of': 'f'.repeat(64) } });
    expect(options.HostConfig).toEqual({
      NetworkMode: 'checkout-net',
      CapDrop: ['ALL'],
      CapAdd: ['NET_BIND_SERVICE'],
      ReadonlyRootfs: true,
      Tmpfs: { '/tmp': 'rw,size=16m' },
      Memory: 67108864,
      MemorySwap: 67108864,
      PidsLimit: 50,
      SecurityOpt: ['no-new-privileges'],
      NanoCpus: 500000000,
    });
  });

  it("takes the demo's `none` network from the template, not from code", () => {
    expect(replicaCreateOptions(template({ NetworkMode: 'none' }), 'k', 'n').HostConfig).toEqual({ NetworkMode: 'none' });
    expect(replicaCreateOptions(template({ NetworkMode: 'bridge' }), 'k', 'n').HostConfig).toEqual({ NetworkMode: 'bridge' });
  });
});
