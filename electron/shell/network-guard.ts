/**
 * The main process's network guard is the core one (electron/services/network-guard.ts), shared with the
 * web host and the CLI; this module keeps the shell's import path. (The renderer's session has its own
 * guard in window.ts: it may load nothing but the app's own scheme.)
 */
export {
  blockedError,
  DownloadGrants,
  editServicePolicy,
  installHostGuard,
  installNodeNetworkGuard,
  isLoopbackHost,
  isServiceUrl,
  parentDomain,
  parseAllowedHosts,
  type DownloadGrantOptions,
  type EditServiceHosts,
  type HostGuard,
  type HostPolicy,
  type NetworkGuard,
} from '../services/network-guard';
