import { CliError } from './cli-error.js';

/** Asks the person at the terminal; prompts go to stderr, answers are never echoed when hidden. */
export interface Prompter {
  /** A visible answer, or undefined when input has ended. */
  ask(question: string): Promise<string | undefined>;
  /** A hidden answer (nothing is echoed), or undefined when input has ended. */
  askHidden(question: string): Promise<string | undefined>;
  /** `[y/N]`: true only for y/yes; ended input means no. */
  confirm(question: string): Promise<boolean>;
  /** `[y/n/all]`; asks again on anything else; ended input aborts. */
  chooseYesNoAll(question: string): Promise<'y' | 'n' | 'all'>;
  /** A line for the person answering (stderr). */
  note(text: string): void;
}

type ReadLine = (question: string, hidden: boolean) => Promise<string | undefined>;

const CTRL_C = '\u0003';
const CTRL_D = '\u0004';
const ESCAPE = '\u001b';
const BACKSPACE = '\u007f';

/**
 * Reads lines from stdin. A terminal is put in raw mode for each answer (so nothing is
 * echoed unless we echo it); piped input is read line by line. Text typed or piped ahead
 * of a prompt is kept for the next one.
 */
function createLineReader(stdin: NodeJS.ReadStream, echo: (text: string) => void): ReadLine {
  let pending = '';
  let ended = false;
  stdin.setEncoding('utf8');
  stdin.on('end', () => {
    ended = true;
  });

  function readChunks(consume: () => boolean): Promise<void> {
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
        pending += chunk;
        try {
          if (consume()) finish();
        } catch (error) {
          finish(error);
        }
      };
      const onEnd = () => {
        ended = true;
        finish();
      };
      try {
        if (consume() || ended) return resolve();
      } catch (error) {
        return reject(error);
      }
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      stdin.once('error', onEnd);
      stdin.resume();
    });
  }

  if (!stdin.isTTY) {
    return async (question) => {
      echo(question);
      let line: string | undefined;
      await readChunks(() => {
        const newline = pending.indexOf('\n');
        if (newline < 0) return false;
        line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        return true;
      });
      if (line === undefined && pending) {
        line = pending;
        pending = '';
      }
      echo('\n');
      return line;
    };
  }

  return async (question, hidden) => {
    let answer = '';
    let done = false;
    let endOfInput = false;
    // raw mode before the prompt appears, so the terminal never echoes what is typed
    stdin.setRawMode(true);
    echo(question);
    try {
      await readChunks(() => {
        while (pending && !done) {
          const char = pending[0];
          pending = pending.slice(1);
          if (char === '\r' || char === '\n') {
            if (char === '\r' && pending[0] === '\n') pending = pending.slice(1);
            done = true;
          } else if (char === CTRL_C) {
            echo('\n');
            throw new CliError('ABORTED', 'interrupted', 130);
          } else if (char === CTRL_D) {
            if (!answer) {
              endOfInput = true;
              done = true;
            }
          } else if (char === BACKSPACE || char === '\b') {
            if (answer) {
              answer = [...answer].slice(0, -1).join('');
              if (!hidden) echo('\b \b');
            }
          } else if (char === ESCAPE) {
            pending = pending.replace(/^\[[0-9;]*[A-Za-z~]|^O[A-Za-z]/, ''); // arrow keys and the like
          } else if (char >= ' ') {
            answer += char;
            if (!hidden) echo(char);
          }
        }
        return done;
      });
    } finally {
      stdin.setRawMode(false);
    }
    echo('\n');
    return endOfInput || (!done && ended) ? undefined : answer;
  };
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
    async chooseYesNoAll(question) {
      for (;;) {
        const answer = await read(`${question} [y/n/all] `, false);
        if (answer === undefined)
          throw new CliError('ABORTED', 'input ended before every question was answered');
        const word = answer.trim().toLowerCase();
        if (word === 'y' || word === 'yes') return 'y';
        if (word === 'n' || word === 'no') return 'n';
        if (word === 'a' || word === 'all') return 'all';
        stderr.write('Please answer y, n or all.\n');
      }
    },
  };
}
