// Module hooks for loading the built main bundle in plain Node: 'electron' resolves to a recording stub.
export async function resolve(specifier, context, next) {
  if (specifier === 'electron')
    return { url: new URL('./electron.mjs', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
