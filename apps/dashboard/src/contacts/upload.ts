import type { ErrorBody } from '@parley/contract/error-codes';
import { ApiError, session } from '../api/session';

/**
 * A multipart POST through XMLHttpRequest, whose upload reports progress (fetch cannot): `onProgress`
 * hears the fraction sent. Errors become ApiError in the agent's language, as `api()`'s do.
 */
export async function uploadWithProgress<T>(
  path: string,
  form: FormData,
  onProgress: (fraction: number) => void,
): Promise<T> {
  const token = await session.freshToken();
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('accept-language', session.language);
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) onProgress(event.loaded / event.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network_error', 'network_error'));
    xhr.onload = () => {
      let body: unknown = {};
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : {};
      } catch {
        body = {};
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else {
        const error = body as Partial<ErrorBody>;
        reject(new ApiError(xhr.status, error.code ?? 'http_error', error.message ?? xhr.statusText));
      }
    };
    xhr.send(form);
  });
}

/** The CSV export, fetched with the session's token (a link cannot carry it) and saved as a file. */
export async function downloadExport(): Promise<void> {
  const token = await session.freshToken();
  const response = await fetch('/api/v1/contacts/export.csv', {
    headers: { authorization: `Bearer ${token ?? ''}`, 'accept-language': session.language },
  });
  if (!response.ok) throw new ApiError(response.status, 'http_error', response.statusText);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = 'contacts.csv';
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
