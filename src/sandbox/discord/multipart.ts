import { DiscordHttpError } from './http-error.js';

export interface MultipartPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

/** A small multipart/form-data parser (RFC 7578), enough for discord.js uploads. */
export function parseMultipart(contentType: string, body: Buffer): MultipartPart[] {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const token = boundary?.[1] ?? boundary?.[2];
  if (!token) throw new DiscordHttpError(400, 50109, 'The request body contains invalid JSON.');
  const delimiter = Buffer.from(`--${token}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  // Bounded by the number of delimiters in the body.
  while (start !== -1) {
    const afterDelimiter = start + delimiter.length;
    if (body.subarray(afterDelimiter, afterDelimiter + 2).toString() === '--') break;
    const headerStart = afterDelimiter + 2;
    const headerEnd = body.indexOf('\r\n\r\n', headerStart);
    if (headerEnd === -1) break;
    const next = body.indexOf(delimiter, headerEnd);
    if (next === -1) break;
    const headers = body.subarray(headerStart, headerEnd).toString('utf8');
    const data = body.subarray(headerEnd + 4, next - 2);
    const disposition = /content-disposition:([^\r\n]*)/i.exec(headers)?.[1] ?? '';
    const name = /\bname="([^"]*)"/i.exec(disposition)?.[1];
    const filename = /\bfilename="([^"]*)"/i.exec(disposition)?.[1] ?? null;
    const type = /content-type:\s*([^\r\n]*)/i.exec(headers)?.[1]?.trim() ?? null;
    if (name !== undefined) parts.push({ name, filename, contentType: type, data: Buffer.from(data) });
    start = next;
  }
  return parts;
}
