/** What went wrong, announced to screen readers as it appears; nothing when all is well. */
export function Alert({ message }: { message: string | null }) {
  if (message === null) return null;
  return (
    <p role="alert" class="error">
      {message}
    </p>
  );
}
