// Series colours for the usage chart: the Okabe-Ito palette, told apart by most colour-blind readers,
// with variants that keep their contrast on the dark background.

const LIGHT = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#8c7a00', '#6b6b6b'];
const DARK = ['#56b4e9', '#f0b440', '#2ec4a0', '#e39ccc', '#9fd3f5', '#ff8a4c', '#f0e442', '#bdbdbd'];

export function seriesColor(index: number, scheme: 'light' | 'dark'): string {
  const palette = scheme === 'dark' ? DARK : LIGHT;
  return palette[index % palette.length] ?? '#888888';
}
