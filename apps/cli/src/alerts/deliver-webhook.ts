/**
 * POSTs `body` (JSON) to `webhook` and resolves on a 2xx answer. A `user:password@` in the URL is
 * sent as basic authentication instead (fetch refuses URLs with credentials). Redirects are not
 * followed (the event would go to a host nobody configured). Rejects on any other answer, a
 * network error or after `timeoutMs`; the error message never holds the URL's path, query or
 * credentials.
 */
export async function deliverToWebhook(
  webhook: string,
  body: string,
  options: { timeoutMs: number; label: string },
): Promise<void> {
  const url = new URL(webhook);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'hyperion-alerts/1',
  };
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
    headers['authorization'] = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    throw new Error(describeFetchError(error, options.timeoutMs, [webhook, url.href], options.label));
  }
  // The answer's body is not needed: release the connection.
  await response.body?.cancel().catch(() => undefined);
  if (response.status < 200 || response.status > 299) {
    throw new Error(`answered HTTP ${response.status}`);
  }
}

function describeFetchError(
  error: unknown,
  timeoutMs: number,
  urls: readonly string[],
  label: string,
): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  const cause =
    error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  let described =
    cause === undefined ? message : `${message}: ${cause.code ?? cause.message ?? 'unknown cause'}`;
  for (const each of urls) described = described.split(each).join(label);
  return described;
}
