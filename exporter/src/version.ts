// Version and revision are injected by exporter/bundle.ts; running from source says "dev".
declare const __EXPORTER_VERSION__: string | undefined;
declare const __EXPORTER_REVISION__: string | undefined;

export const VERSION = typeof __EXPORTER_VERSION__ === "string" ? __EXPORTER_VERSION__ : "dev";
export const REVISION = typeof __EXPORTER_REVISION__ === "string" ? __EXPORTER_REVISION__ : "unknown";
