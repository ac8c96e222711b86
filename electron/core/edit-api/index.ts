/** The edit client: see docs/edit-service.md. */
export { SegmindClient, createEditApi, DEFAULTS, type ClientDeps } from './client';
export { EditApiError, isEditApiError, editErrors, redact } from './errors';
export {
  validateParams,
  validateInput,
  buildBody,
  sniffMime,
  DEFAULT_PARAMS,
  MAX_REFERENCES,
  type EditBody,
} from './params';
export { createDispatcher, parseRetryAfter, backoffMs, type ProxySettings } from './http';
export { SharedRateLimiter, type RateLimiter } from './limiter';
export * from './types';
