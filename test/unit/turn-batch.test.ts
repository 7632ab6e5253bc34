// The end-of-turn batch: journals are written before any socket, each flush runs once per turn
// however often it was asked for, and a flush asked for while the batch runs is not lost.

import { describe, expect, it } from 'vitest';
import { atTurnEnd } from '../../src/fix/session/turn-batch.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('turn batch', () => {
  it('runs every journal flush before any socket flush, each once per turn, and again the next turn', async () => {
    const ran: string[] = [];
    const socketA = (): void => void ran.push('socket A');
    const journalA = (): void => void ran.push('journal A');
    const journalB = (): void => void ran.push('journal B');
    for (let turn = 0; turn < 3; turn++) {
      atTurnEnd('socket', socketA);
      atTurnEnd('journal', journalA);
      atTurnEnd('socket', socketA);
      atTurnEnd('journal', journalB);
      atTurnEnd('journal', journalA);
      expect(ran).toEqual([]);
      await nextTurn();
      expect(ran).toEqual(['journal A', 'journal B', 'socket A']);
      ran.length = 0;
    }
  });

  it('runs a flush asked for while the batch runs: a socket in the same pass after those queued, a journal in a second pass', async () => {
    const ran: string[] = [];
    const lateSocket = (): void => void ran.push('late socket');
    const lateJournal = (): void => void ran.push('late journal');
    atTurnEnd('journal', () => {
      ran.push('journal');
      atTurnEnd('socket', lateSocket);
    });
    atTurnEnd('socket', () => {
      ran.push('socket');
      atTurnEnd('journal', lateJournal);
    });
    await nextTurn();
    expect(ran).toEqual(['journal', 'socket', 'late socket', 'late journal']);
  });
});
