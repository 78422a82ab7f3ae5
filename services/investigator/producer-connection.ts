import type { Producer } from 'kafkajs';

/** Follows a connected producer's CONNECT and DISCONNECT events; the function says whether it is connected now. */
export function followConnection(producer: Producer): () => boolean {
  let up = true;
  producer.on(producer.events.DISCONNECT, () => {
    up = false;
  });
  producer.on(producer.events.CONNECT, () => {
    up = true;
  });
  return () => up;
}
