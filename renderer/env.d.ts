/// <reference types="vite/client" />
import type { MaskroomApi } from '../shared/contract';

declare global {
  interface Window {
    maskroom: MaskroomApi;
  }
}

export {};
