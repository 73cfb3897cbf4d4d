import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { Output } from '../../src/output.js';

/** A stream that says it is a terminal, or not. */
function stream(isTTY: boolean): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY });
}

async function written(output: Output, source: PassThrough, text: string): Promise<string> {
  await output.line(output.colors.red(text));
  await output.flush();
  return String(source.read());
}

describe('Output colour', () => {
  it('colours a terminal', async () => {
    const terminal = stream(true);
    expect(await written(new Output(terminal, false, {}), terminal, 'bad')).toBe(
      '\u001b[31mbad\u001b[39m\n',
    );
  });

  it('never colours a pipe, NO_COLOR, TERM=dumb or --json', async () => {
    const pipe = stream(false);
    expect(await written(new Output(pipe, false, {}), pipe, 'bad')).toBe('bad\n');
    const terminal = stream(true);
    expect(await written(new Output(terminal, false, { NO_COLOR: '1' }), terminal, 'bad')).toBe(
      'bad\n',
    );
    expect(await written(new Output(terminal, false, { TERM: 'dumb' }), terminal, 'bad')).toBe(
      'bad\n',
    );
    expect(await written(new Output(terminal, true, {}), terminal, 'bad')).toBe('bad\n');
  });

  it('an empty NO_COLOR does not turn colour off (no-color.org)', async () => {
    const terminal = stream(true);
    expect(await written(new Output(terminal, false, { NO_COLOR: '' }), terminal, 'x')).toBe(
      '\u001b[31mx\u001b[39m\n',
    );
  });
});
