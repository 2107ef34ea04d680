/**
 * Splits a modem's byte stream into AT response lines. A line ends at CR, LF or CR LF (any mix: some
 * adapters and firmwares send only one of them). Inside double quotes CR and LF are data (a PEM in a
 * %CMNG read answer spans lines), so the splitter tracks quotes; a line longer than `maxLine` bytes
 * (noise with a stray quote) is cut there and the quote state reset, so garbage cannot stall it.
 */
const CR = 0x0d;
const LF = 0x0a;
const QUOTE = 0x22;

export class AtLineSplitter {
  private buf: number[] = [];
  private inQuote = false;
  private lastCr = false;

  constructor(private readonly maxLine = 16 * 1024) {}

  /** Consumes bytes; returns the complete non-empty lines (printable ASCII, CR/LF inside quotes kept). */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    for (const b of chunk) {
      if (b === LF && this.lastCr && this.buf.length === 0 && !this.inQuote) {
        this.lastCr = false; // the LF of a CR LF pair
        continue;
      }
      this.lastCr = false;
      if ((b === CR || b === LF) && !this.inQuote) {
        this.lastCr = b === CR;
        this.emit(out);
        continue;
      }
      if (b === QUOTE) this.inQuote = !this.inQuote;
      this.buf.push(b);
      if (this.buf.length >= this.maxLine) {
        this.inQuote = false;
        this.emit(out);
      }
    }
    return out;
  }

  private emit(out: string[]): void {
    if (this.buf.length === 0) return;
    const bytes = Uint8Array.from(this.buf);
    this.buf = [];
    let text = '';
    for (const b of bytes)
      text += b === CR || b === LF || (b >= 0x20 && b < 0x7f) ? String.fromCharCode(b) : '';
    if (text.trim()) out.push(text.trim());
  }
}
