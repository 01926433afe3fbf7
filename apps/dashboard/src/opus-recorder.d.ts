declare module 'opus-recorder' {
  interface RecorderOptions {
    encoderPath?: string;
    encoderApplication?: number;
    encoderSampleRate?: number;
    numberOfChannels?: number;
    streamPages?: boolean;
    wavBitDepth?: 8 | 16 | 24 | 32;
  }
  export default class Recorder {
    constructor(options?: RecorderOptions);
    static isRecordingSupported(): boolean;
    ondataavailable: (data: Uint8Array) => void;
    onstop: () => void;
    start(): Promise<void>;
    stop(): Promise<void>;
    close(): void;
  }
}

declare module '*?url' {
  const url: string;
  export default url;
}
