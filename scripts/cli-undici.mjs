/* global URL */
/**
 * `undici` as the CLI bundle sees it (scripts/build-cli.ts aliases the bare name here): only what the edit
 * client uses at run time (electron/core/edit-api/http.ts: EnvHttpProxyAgent and request), from undici's own
 * modules. undici's index also loads fetch, WebSocket, EventSource, the cache and the mocks, about two thirds
 * of its evaluation, which an edit pays for on the main thread while its photo and mask decode.
 * `request` is undici's own (its index's makeDispatcher around api.request, as of undici 7), and the API
 * methods are put on Dispatcher.prototype as its index does. tests/unit/hosts/cli/cli-undici.test.ts checks
 * that every name the sources import from undici is here and behaves as undici's.
 */
import Dispatcher from 'undici/lib/dispatcher/dispatcher.js';
import EnvHttpProxyAgent from 'undici/lib/dispatcher/env-http-proxy-agent.js';
import api from 'undici/lib/api/index.js';
import util from 'undici/lib/core/util.js';
import errors from 'undici/lib/core/errors.js';
import globalDispatcher from 'undici/lib/global.js';

const { InvalidArgumentError } = errors;
const { getGlobalDispatcher } = globalDispatcher;

Object.assign(Dispatcher.prototype, api);

function makeDispatcher(fn) {
  return (url, opts, handler) => {
    if (typeof opts === 'function') {
      handler = opts;
      opts = null;
    }
    if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
      throw new InvalidArgumentError('invalid url');
    }
    if (opts != null && typeof opts !== 'object') {
      throw new InvalidArgumentError('invalid opts');
    }
    if (opts && opts.path != null) {
      if (typeof opts.path !== 'string') {
        throw new InvalidArgumentError('invalid opts.path');
      }
      let path = opts.path;
      if (!opts.path.startsWith('/')) {
        path = `/${path}`;
      }
      url = new URL(util.parseOrigin(url).origin + path);
    } else {
      if (!opts) {
        opts = typeof url === 'object' ? url : {};
      }
      url = util.parseURL(url);
    }
    const { agent, dispatcher = getGlobalDispatcher() } = opts;
    if (agent) {
      throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?');
    }
    return fn.call(
      dispatcher,
      {
        ...opts,
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: opts.method || (opts.body ? 'PUT' : 'GET'),
      },
      handler,
    );
  };
}

export { Dispatcher, EnvHttpProxyAgent };
export const request = makeDispatcher(api.request);
