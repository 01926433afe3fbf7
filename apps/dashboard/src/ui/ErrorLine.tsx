/** A refusal or failure, announced to screen readers; nothing when there is none. */
export function ErrorLine({ error, testId }: { error: string | null | undefined; testId?: string }) {
  if (!error) return null;
  return (
    <p role="alert" className="error" data-testid={testId}>
      {error}
    </p>
  );
}
