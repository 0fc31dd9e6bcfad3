// Plain JavaScript, readable by any Node, so an old Node gets one clear line instead of a stack trace.
export const MIN_NODE = "22.11";

/** @returns the one-line problem with running on Node `version`, or undefined when it is recent enough. */
export function nodeVersionProblem(version) {
  const [major, minor] = version.split(".").map(Number);
  const [minMajor, minMinor] = MIN_NODE.split(".").map(Number);
  if (major > minMajor || (major === minMajor && minor >= minMinor)) {
    return undefined;
  }
  return `ndn-iomt needs Node.js >= ${MIN_NODE} (the @ndn packages require it); this is Node ${version}. Install Node 22 (see .nvmrc), e.g. with nvm: nvm install 22`;
}
