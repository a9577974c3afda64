export declare const WEBGPU_PREFS: Record<string, boolean>;
export declare function findFirefox(): string | null;
export declare function ensureFirefox(): string;
