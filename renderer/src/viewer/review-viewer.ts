/**
 * Three orthogonal Cornerstone3D viewports (axial, sagittal, coronal) sharing one camera focal
 * point: crosshairs (left drag), window/level (right drag), zoom (ctrl + drag), slice scroll
 * (wheel). Shows a background volume and overlays (labels, reference, grid, Jacobian).
 */
import { RenderingEngine, Enums, init as csInit, setVolumesForViewports, getRenderingEngine, cache } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/core';
import { init as toolsInit, addTool, ToolGroupManager, CrosshairsTool, WindowLevelTool, ZoomTool, StackScrollTool, Enums as ToolEnums, segmentation } from '@cornerstonejs/tools';

export interface Labelmap {
  segmentationId: string;
  volumeId: string;
  fill: boolean;
  outline: boolean;
  alpha: number;
}

export interface Layer {
  volumeId: string;
  colormap?: string;
  opacity?: number;
  range?: { lower: number; upper: number };
  nearest?: boolean;
}

const ENGINE = 'labelwarp-engine';
const GROUP = 'labelwarp-tools';
export const VIEWPORTS = ['axial', 'sagittal', 'coronal'] as const;
export type ViewportName = (typeof VIEWPORTS)[number];
let initialised = false;

async function initOnce(): Promise<void> {
  if (initialised) return;
  csInit();
  toolsInit();
  for (const t of [CrosshairsTool, WindowLevelTool, ZoomTool, StackScrollTool]) addTool(t);
  initialised = true;
}

/** Exposed for end-to-end tests and debugging. */
(globalThis as unknown as { __labelwarpViewer?: unknown }).__labelwarpViewer = { getRenderingEngine, cache };

export class ReviewViewer {
  private engine?: RenderingEngine;
  private layers: Layer[] = [];

  constructor(private readonly elements: Record<ViewportName, HTMLDivElement>) {}

  async init(): Promise<void> {
    await initOnce();
    getRenderingEngine(ENGINE)?.destroy();
    this.engine = new RenderingEngine(ENGINE);
    const orientation = { axial: Enums.OrientationAxis.AXIAL, sagittal: Enums.OrientationAxis.SAGITTAL, coronal: Enums.OrientationAxis.CORONAL };
    this.engine.setViewports(
      VIEWPORTS.map((name) => ({
        viewportId: name,
        type: Enums.ViewportType.ORTHOGRAPHIC,
        element: this.elements[name],
        defaultOptions: { orientation: orientation[name], background: [0, 0, 0] as Types.Point3 },
      })),
    );
    ToolGroupManager.destroyToolGroup(GROUP);
    const group = ToolGroupManager.createToolGroup(GROUP)!;
    for (const name of VIEWPORTS) group.addViewport(name, ENGINE);
    group.addTool(CrosshairsTool.toolName);
    group.addTool(WindowLevelTool.toolName);
    group.addTool(ZoomTool.toolName);
    group.addTool(StackScrollTool.toolName);
    group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Secondary }] });
    group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary, modifierKey: ToolEnums.KeyboardBindings.Ctrl }] });
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Wheel }] });
  }

  /** Replaces what is shown: the first layer is the background. */
  async show(layers: Layer[], resetCamera = true): Promise<void> {
    if (!this.engine) throw new Error('viewer not initialised');
    this.layers = layers;
    await setVolumesForViewports(
      this.engine,
      layers.map((l) => ({ volumeId: l.volumeId })),
      [...VIEWPORTS],
    );
    for (const name of VIEWPORTS) {
      const vp = this.engine.getViewport(name) as Types.IVolumeViewport;
      for (const l of layers) this.applyLayer(vp, l);
      if (resetCamera) vp.resetCamera();
    }
    const group = ToolGroupManager.getToolGroup(GROUP)!;
    if (group.getToolInstance(CrosshairsTool.toolName)) {
      group.setToolActive(CrosshairsTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    }
    this.engine.render();
  }

  private applyLayer(vp: Types.IVolumeViewport, l: Layer): void {
    const props: Record<string, unknown> = {};
    if (l.range) props.voiRange = l.range;
    if (l.colormap) props.colormap = { name: l.colormap, opacity: l.opacity === undefined ? 1 : [{ value: 0, opacity: 0 }, { value: 0.5, opacity: l.opacity }, { value: 1e6, opacity: l.opacity }] };
    else if (l.opacity !== undefined) props.colormap = { name: 'Grayscale', opacity: l.opacity };
    if (l.nearest) props.interpolationType = Enums.InterpolationType.NEAREST;
    vp.setProperties(props as never, l.volumeId);
  }

  /** Shows label maps as Cornerstone segmentations (fill and/or outline), replacing earlier ones. */
  async setLabelmaps(maps: Labelmap[]): Promise<void> {
    segmentation.removeAllSegmentationRepresentations();
    segmentation.removeAllSegmentations();
    if (!maps.length) {
      this.engine?.render();
      return;
    }
    segmentation.addSegmentations(
      maps.map((m) => ({ segmentationId: m.segmentationId, representation: { type: ToolEnums.SegmentationRepresentations.Labelmap, data: { volumeId: m.volumeId } } })),
    );
    await segmentation.addLabelmapRepresentationToViewportMap(Object.fromEntries(VIEWPORTS.map((v) => [v, maps.map((m) => ({ segmentationId: m.segmentationId }))])));
    for (const m of maps) this.styleLabelmap(m);
    this.engine?.render();
  }

  styleLabelmap(m: Labelmap): void {
    const style = { renderFill: m.fill, renderOutline: m.outline, fillAlpha: m.alpha, outlineWidth: 2, renderFillInactive: m.fill, renderOutlineInactive: m.outline, fillAlphaInactive: m.alpha, outlineWidthInactive: 2 };
    for (const v of VIEWPORTS) {
      segmentation.segmentationStyle.setStyle({ type: ToolEnums.SegmentationRepresentations.Labelmap, viewportId: v, segmentationId: m.segmentationId }, style as never);
      segmentation.segmentationStyle.setRenderInactiveSegmentations(v, true);
    }
    this.engine?.render();
  }

  setOpacity(volumeId: string, opacity: number): void {
    const l = this.layers.find((x) => x.volumeId === volumeId);
    if (!l || !this.engine) return;
    l.opacity = opacity;
    for (const name of VIEWPORTS) this.applyLayer(this.engine.getViewport(name) as Types.IVolumeViewport, l);
    this.engine.render();
  }

  /** World point (LPS mm) under a mouse position in one viewport. */
  worldAt(name: ViewportName, canvasX: number, canvasY: number): Types.Point3 | undefined {
    const vp = this.engine?.getViewport(name);
    return vp ? (vp.canvasToWorld([canvasX, canvasY]) as Types.Point3) : undefined;
  }

  resize(): void {
    this.engine?.resize(true, true);
  }

  dispose(): void {
    ToolGroupManager.destroyToolGroup(GROUP);
    this.engine?.destroy();
    this.engine = undefined;
    cache.purgeCache();
  }
}
