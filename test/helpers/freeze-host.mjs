// Test hook, loaded with --import into an engine host process: as soon as the host reports the
// progress of a job, its event loop freezes for good (a busy loop, as an endless loop or a hung
// native call would), so the host goes silent in the middle of the job.
const send = process.send.bind(process);
process.send = (message, ...rest) => {
  const sent = send(message, ...rest);
  if (message && message.type === 'progress') for (;;);
  return sent;
};
