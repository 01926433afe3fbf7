/**
 * Whether an app's page may be loaded in the panel's frame. The frame's sandbox lets the page run
 * scripts on its own origin; on the dashboard's origin that would be the dashboard itself, with the
 * agent's session, so such a URL is never framed (the api refuses to store one too), nor anything
 * but http(s).
 */
export function canFrame(url: string, dashboardOrigin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin !== dashboardOrigin;
}
