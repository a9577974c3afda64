export declare const CHROMIUM_FLAGS: string[];
export declare const WEBGPU_FLAGS: string[];
export declare function findChromium(): string | null;
export declare function ensureChromium(): string;
