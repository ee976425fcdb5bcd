// The one crypto module of the page: everything the SDK's strongroom.crypto does on the wire, over WebCrypto.
export * from "./encoding";
export * from "./bson";
export * from "./keys";
export * from "./kdf";
export * from "./cryppo";
export * from "./srp";
export * from "./files";
export * from "./stream";
