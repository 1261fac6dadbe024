/**
 * The site's theme: VitePress's default theme plus the live components that pages use. One
 * registration line per component.
 */
import DefaultTheme from 'vitepress/theme';
import type { Theme } from 'vitepress';
import RunSnippet from './RunSnippet.vue';
import ModelViewer from './ModelViewer.vue';
import TrainDemo from './components/TrainDemo.vue';
import './flint.css';

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('RunSnippet', RunSnippet);
    app.component('ModelViewer', ModelViewer);
    app.component('TrainDemo', TrainDemo);
  },
};

export default theme;
