// How recreate_container saves a container's configuration and creates it again. The configuration is saved in the
// engine itself, as a created and never started container named after the step's key: it survives a crash of the
// worker between the removal and the create, and the compensation of the step reads it from there. The saved
// container carries none of the original's labels (its `selfheal.service` label would make it look like one of the
// service's containers): they are kept, as JSON, in a label of their own and put back on the recreated container.
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import { withoutSlash } from './container-info';

/** Marks a saved configuration; its value is the step's key. */
export const SAVED_FOR_LABEL = 'selfheal.saved-for';
const SAVED_NAME_LABEL = 'selfheal.saved-name';
const SAVED_LABELS_LABEL = 'selfheal.saved-labels';
const SAVED_ID_LABEL = 'selfheal.saved-id';

export function savedConfigName(key: string): string {
  return `selfheal-saved-${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

type Config = Docker.ContainerInspectInfo['Config'] & {
  User?: string;
  WorkingDir?: string;
  StopSignal?: string;
  StopTimeout?: number;
  ExposedPorts?: Record<string, object>;
  Volumes?: Record<string, object>;
};

/**
 * The create options of a container as it is: its process, environment, healthcheck, user, exposed ports and its
 * whole host configuration (network, ports, mounts, restart policy, every security setting and resource limit).
 * The hostname is kept only when it was set (Docker's default is the old id's prefix). Anonymous volumes are new.
 */
function createOptionsOf(raw: Docker.ContainerInspectInfo, name: string, labels: Record<string, string>): Docker.ContainerCreateOptions {
  const c = raw.Config as Config;
  const hostnameSet = c.Hostname !== undefined && c.Hostname !== '' && !raw.Id.startsWith(c.Hostname);
  return {
    name,
    Image: c.Image,
    Cmd: c.Cmd,
    Entrypoint: c.Entrypoint as string[] | undefined,
    Env: c.Env,
    Labels: labels,
    Healthcheck: c.Healthcheck,
    Tty: c.Tty,
    OpenStdin: c.OpenStdin,
    ...(hostnameSet ? { Hostname: c.Hostname } : {}),
    ...(c.Domainname ? { Domainname: c.Domainname } : {}),
    ...(c.User ? { User: c.User } : {}),
    ...(c.WorkingDir ? { WorkingDir: c.WorkingDir } : {}),
    ...(c.StopSignal ? { StopSignal: c.StopSignal } : {}),
    ...(c.StopTimeout !== undefined ? { StopTimeout: c.StopTimeout } : {}),
    ...(c.ExposedPorts ? { ExposedPorts: c.ExposedPorts } : {}),
    ...(c.Volumes ? { Volumes: c.Volumes } : {}),
    HostConfig: raw.HostConfig,
  };
}

/** The saved configuration of `original`, for the step keyed `key`. */
export function savedConfigOptions(original: Docker.ContainerInspectInfo, key: string): Docker.ContainerCreateOptions {
  return createOptionsOf(original, savedConfigName(key), {
    [SAVED_FOR_LABEL]: key,
    [SAVED_NAME_LABEL]: withoutSlash(original.Name),
    [SAVED_ID_LABEL]: original.Id,
    [SAVED_LABELS_LABEL]: JSON.stringify(original.Config.Labels ?? {}),
  });
}

/** The original's create options, under its own name and labels, from its saved configuration. */
export function restoredOptions(saved: Docker.ContainerInspectInfo): Docker.ContainerCreateOptions {
  const labels = saved.Config.Labels ?? {};
  const name = labels[SAVED_NAME_LABEL];
  if (!name) throw new Error(`${withoutSlash(saved.Name)} is not a saved configuration`);
  return createOptionsOf(saved, name, JSON.parse(labels[SAVED_LABELS_LABEL] ?? '{}') as Record<string, string>);
}
