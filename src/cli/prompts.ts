import { CliError } from './cli-error.js';

/** Asks the person at the terminal; prompts go to stderr, answers are never echoed when hidden. */
export interface Prompter {
  /** A visible answer, or undefined when input has ended. */
  ask(question: string): Promise<string | undefined>;
  /** A hidden answer (nothing is echoed), or undefined when input has ended. */
  askHidden(question: string): Promise<string | undefined>;
  /** `[y/N]`: true only for y/yes; ended input means no. */
  confirm(question: string): Promise<boolean>;
  /** `[y/n/all]` (Enter gives `defaultAnswer` when there is one, shown as `(y)`); asks again on anything else; ended input aborts. */
  chooseYesNoAll(question: string, defaultAnswer?: 'y' | 'n' | 'all'): Promise<'y' | 'n' | 'all'>;
  /** A line for the person answering (stderr). */
  note(text: string): void;
}

type ReadLine = (question: string, hidden: boolean) => Promise<string | undefined>;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const ESCAPE = '\u001b';
const BACKSPACE = '\u007f';

/**
 * What a line reader keeps between prompts: text read but not yet used, and whether stdin
 * has ended.
 */
interface InputState {
  pending: string;
  ended: boolean;
}

/**
 * Calls `consume` on the pending text, then again after each chunk read from stdin, until it
 * returns true or stdin ends (or fails); stdin is paused again afterwards. An error thrown by
 * `consume` rejects the promise.
 */
function readChunks(stdin: NodeJS.ReadStream, state: InputState, consume: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (error?: unknown) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
      if (error) reject(error);
      else resolve();
    };
    const onData = (chunk: string) => {
      state.pending += chunk;
      try {
        if (consume()) finish();
      } catch (error) {
        finish(error);
      }
    };
    const onEnd = () => {
      state.ended = true;
      finish();
    };
    try {
      if (consume() || state.ended) return resolve();
    } catch (error) {
      return reject(error);
    }
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onEnd);
    stdin.resume();
  });
}

/**
 * Reads piped input line by line (a trailing `\r` is dropped); an unterminated last line
 * counts once input ends, and undefined means input has ended.
 */
function createPipedReader(
  stdin: NodeJS.ReadStream,
  state: InputState,
  echo: (text: string) => void,
): ReadLine {
  return async (question) => {
    echo(question);
    let line: string | undefined;
    await readChunks(stdin, state, () => {
      const newline = state.pending.indexOf('\n');
      if (newline < 0) return false;
      line = state.pending.slice(0, newline).replace(/\r$/, '');
      state.pending = state.pending.slice(newline + 1);
      return true;
    });
    if (line === undefined && state.pending) {
      line = state.pending;
      state.pending = '';
    }
    echo('\n');
    return line;
  };
}

/** One answer being typed at a raw terminal. */
interface RawAnswer {
  text: string;
  /** Enter was pressed, or Ctrl-D on an empty answer. */
  done: boolean;
  /** Ctrl-D on an empty answer. */
  endOfInput: boolean;
}

/**
 * Applies the pending keystrokes to the answer until it is done, echoing typed characters
 * unless hidden: Enter (CR, LF or CRLF) ends it, Ctrl-C aborts (status 130), Ctrl-D on an
 * empty answer means end of input, Backspace deletes a character, escape sequences (arrow
 * keys and the like) and other control characters are ignored. Returns whether it is done.
 */
function consumeKeys(
  state: InputState,
  answer: RawAnswer,
  hidden: boolean,
  echo: (text: string) => void,
): boolean {
  while (state.pending && !answer.done) {
    const char = state.pending[0];
    state.pending = state.pending.slice(1);
    if (char === '\r' || char === '\n') {
      if (char === '\r' && state.pending[0] === '\n') state.pending = state.pending.slice(1);
      answer.done = true;
    } else if (char === CTRL_C) {
      echo('\n');
      throw new CliError('ABORTED', 'interrupted', 130);
    } else if (char === CTRL_D) {
      if (!answer.text) {
        answer.endOfInput = true;
        answer.done = true;
      }
    } else if (char === BACKSPACE || char === '\b') {
      if (answer.text) {
        answer.text = [...answer.text].slice(0, -1).join('');
        if (!hidden) echo('\b \b');
      }
    } else if (char === ESCAPE) {
      state.pending = state.pending.replace(/^\[[0-9;]*[A-Za-z~]|^O[A-Za-z]/, ''); // arrow keys and the like
    } else if (char >= ' ') {
      answer.text += char;
      if (!hidden) echo(char);
    }
  }
  return answer.done;
}

/**
 * Reads an answer from a terminal in raw mode (restored afterwards, also on error);
 * undefined when input has ended.
 */
function createRawReader(
  stdin: NodeJS.ReadStream,
  state: InputState,
  echo: (text: string) => void,
): ReadLine {
  return async (question, hidden) => {
    const answer: RawAnswer = { text: '', done: false, endOfInput: false };
    // raw mode before the prompt appears, so the terminal never echoes what is typed
    stdin.setRawMode(true);
    echo(question);
    try {
      await readChunks(stdin, state, () => consumeKeys(state, answer, hidden, echo));
    } finally {
      stdin.setRawMode(false);
    }
    echo('\n');
    return answer.endOfInput || (!answer.done && state.ended) ? undefined : answer.text;
  };
}

/**
 * Reads lines from stdin. A terminal is put in raw mode for each answer (so nothing is
 * echoed unless we echo it); piped input is read line by line. Text typed or piped ahead
 * of a prompt is kept for the next one.
 */
function createLineReader(stdin: NodeJS.ReadStream, echo: (text: string) => void): ReadLine {
  const state: InputState = { pending: '', ended: false };
  stdin.setEncoding('utf8');
  stdin.on('end', () => {
    state.ended = true;
  });
  return stdin.isTTY ? createRawReader(stdin, state, echo) : createPipedReader(stdin, state, echo);
}

/** A prompter on this process's stdin and stderr. */
export function createPrompter(
  stdin: NodeJS.ReadStream = process.stdin,
  stderr: NodeJS.WriteStream = process.stderr,
): Prompter {
  let readLine: ReadLine | undefined;
  const read = (question: string, hidden: boolean) => {
    readLine ??= createLineReader(stdin, (text) => stderr.write(text));
    return readLine(question, hidden);
  };
  return {
    ask: (question) => read(question, false),
    askHidden: (question) => read(question, true),
    async confirm(question) {
      const answer = await read(`${question} [y/N] `, false);
      return /^(y|yes)$/i.test(answer?.trim() ?? '');
    },
    note: (text) => {
      stderr.write(`${text}\n`);
    },
    async chooseYesNoAll(question, defaultAnswer) {
      for (;;) {
        const answer = await read(
          `${question} [y/n/all]${defaultAnswer ? ` (${defaultAnswer})` : ''} `,
          false,
        );
        if (answer === undefined)
          throw new CliError('ABORTED', 'input ended before every question was answered');
        const word = answer.trim().toLowerCase() || (defaultAnswer ?? '');
        if (word === 'y' || word === 'yes') return 'y';
        if (word === 'n' || word === 'no') return 'n';
        if (word === 'a' || word === 'all') return 'all';
        stderr.write('Please answer y, n or all.\n');
      }
    },
  };
}
