/**
 * Decoding a TOML file's bytes. TOML documents are UTF-8; a byte sequence
 * that is not valid UTF-8 is an error with its line and column, never a
 * silent U+FFFD. A leading byte-order mark is kept in the text (the
 * parser skips it), so writing the text back keeps the file's bytes.
 */
import {Buffer, isUtf8} from 'node:buffer'

import {TomlError} from './value.js'

/**
 * Decodes `bytes` as UTF-8; throws a {@link TomlError} naming the first
 * invalid byte. The check is Node's native `isUtf8` (the same strict
 * validation as `new TextDecoder('utf-8', {fatal: true})`, without the
 * decoder's start-up cost in a fresh process).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (isUtf8(buffer)) return buffer.toString('utf8')
  const at = firstInvalidByte(buffer)
  const lineStart = at === 0 ? 0 : buffer.lastIndexOf(0x0a, at - 1) + 1
  let line = 1
  for (let i = buffer.indexOf(0x0a); i !== -1 && i < at; i = buffer.indexOf(0x0a, i + 1)) line++
  const column = [...buffer.subarray(lineStart, at).toString('utf8')].length + 1
  throw new TomlError(`invalid UTF-8 (byte 0x${(buffer[at] ?? 0).toString(16).padStart(2, '0')})`, line, column)
}

/** The offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0
  while (i < bytes.length) {
    const b = bytes[i]
    let length: number
    let min: number
    if (b < 0x80) {
      i++
      continue
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2
      min = 0x80
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3
      min = 0x8_00
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4
      min = 0x1_00_00
    } else {
      return i
    }

    let code = b & (0xff >> (length + 1))
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k]
      if (c === undefined || (c & 0xc0) !== 0x80) return i
      code = (code << 6) | (c & 0x3f)
    }

    if (code < min || code > 0x10_ff_ff || (code >= 0xd8_00 && code <= 0xdf_ff)) return i
    i += length
  }

  return bytes.length
}
