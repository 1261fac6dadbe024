// Types of what Vite resolves for the theme's TypeScript: single-file components and asset URLs.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent;
  export default component;
}
declare module '*?url' {
  const url: string;
  export default url;
}
