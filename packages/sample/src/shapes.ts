/** SVG drawings of the sample classes, centred on (0, 0) with the given radius. */
export const SHAPE_CLASSES = ['circles', 'crosses', 'triangles'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];
/** Singular names for file names (circle.00012.jpg), the Kaggle cats-vs-dogs style. */
export const SINGULAR: Record<ShapeClass, string> = { circles: 'circle', crosses: 'cross', triangles: 'triangle' };

export function shapeSvg(shape: ShapeClass, radius: number, fill: string, strokeWidth: number): string {
  switch (shape) {
    case 'circles':
      return `<circle cx="0" cy="0" r="${radius}" fill="${fill}"/>`;
    case 'crosses': {
      const arm = radius * 0.32;
      return (
        `<rect x="${-radius}" y="${-arm}" width="${2 * radius}" height="${2 * arm}" fill="${fill}"/>` +
        `<rect x="${-arm}" y="${-radius}" width="${2 * arm}" height="${2 * radius}" fill="${fill}"/>`
      );
    }
    case 'triangles': {
      const points = [0, 1, 2].map((k) => {
        const angle = -Math.PI / 2 + (k * 2 * Math.PI) / 3;
        return `${(radius * Math.cos(angle)).toFixed(2)},${(radius * Math.sin(angle)).toFixed(2)}`;
      });
      return `<polygon points="${points.join(' ')}" fill="${fill}" stroke="${fill}" stroke-width="${strokeWidth}" stroke-linejoin="round"/>`;
    }
  }
}
