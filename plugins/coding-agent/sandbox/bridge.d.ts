/** bridge.js is imported as text (`with { type: "text" }`) and written into each sandbox. */
declare const source: string;
export default source;
