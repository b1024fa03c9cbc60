// onAbort, the one way the package listens to a signal: one `abort` listener on the signal however many
// requests listen, each listener called once and in order, and nothing left behind by one that stops.
import { getEventListeners } from 'node:events';
import { onAbort } from '../../src/on-abort';

describe('onAbort', () => {
  it('calls every listener once, in the order added, through a single listener on the signal', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 100; i++) onAbort(controller.signal, () => calls.push(i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('does not call a listener that stopped, and stopping twice leaves the others alone', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const stopFirst = onAbort(controller.signal, () => calls.push('first'));
    const stopMiddle = onAbort(controller.signal, () => calls.push('middle'));
    onAbort(controller.signal, () => calls.push('last'));
    stopMiddle();
    stopMiddle();
    stopFirst();
    controller.abort();
    expect(calls).toEqual(['last']);
  });

  it('leaves no listener on the signal once every listener stopped, and adds one again for the next', () => {
    const controller = new AbortController();
    const stops = Array.from({ length: 20 }, () => onAbort(controller.signal, () => {}));
    for (const stop of stops.reverse()) stop();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    let called = false;
    onAbort(controller.signal, () => {
      called = true;
    });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(called).toBe(true);
  });

  it('keeps signals apart', () => {
    const first = new AbortController();
    const second = new AbortController();
    const calls: string[] = [];
    onAbort(first.signal, () => calls.push('first'));
    onAbort(second.signal, () => calls.push('second'));
    second.abort();
    expect(calls).toEqual(['second']);
  });

  it('runs the other listeners when one throws, and reports its error as an uncaught one', () => {
    const reported: Array<() => void> = [];
    const queue = jest.spyOn(globalThis, 'queueMicrotask').mockImplementation((task) => {
      reported.push(task);
    });
    try {
      const controller = new AbortController();
      const calls: string[] = [];
      onAbort(controller.signal, () => {
        throw new Error('listener failed');
      });
      onAbort(controller.signal, () => calls.push('after'));
      controller.abort();
      expect(calls).toEqual(['after']);
      expect(reported).toHaveLength(1);
      expect(() => reported[0]?.()).toThrow('listener failed');
    } finally {
      queue.mockRestore();
    }
  });

  it('does not call a listener another one stopped during the abort, nor one added during it', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    let stopSecond = () => {};
    onAbort(controller.signal, () => {
      calls.push('first');
      stopSecond();
      onAbort(controller.signal, () => calls.push('added'));
    });
    stopSecond = onAbort(controller.signal, () => calls.push('second'));
    onAbort(controller.signal, () => calls.push('third'));
    controller.abort();
    expect(calls).toEqual(['first', 'third']);
  });
});
