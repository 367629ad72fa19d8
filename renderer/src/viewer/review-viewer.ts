/**
 * Three orthogonal Cornerstone3D viewports (axial, sagittal, coronal) sharing one camera focal
 * point, with Cornerstone3D's own tools: crosshairs (left drag), pan (middle drag or shift + left
 * drag), zoom around the cursor (ctrl + wheel, or ctrl + right drag), window/level (right drag),
 * slices (wheel). Shows a background volume, an optional overlay volume blended over it (Jacobian,
 * checkerboard, difference) and label maps as segmentations with their own colours and per-label
 * visibility.
 */
import { RenderingEngine, Enums, init as csInit, setVolumesForViewports, getRenderingEngine, cache, eventTarget } from '@cornerstonejs/core';
import type { Types } from '@cornerstonejs/core';
import {
  init as toolsInit,
  addTool,
  ToolGroupManager,
  CrosshairsTool,
  WindowLevelTool,
  ZoomTool,
  PanTool,
  StackScrollTool,
  Enums as ToolEnums,
  segmentation,
} from '@cornerstonejs/tools';

export interface Labelmap {
  segmentationId: string;
  volumeId: string;
  fill: boolean;
  outline: boolean;
  alpha: number;
  /** Colours by label value (see `colourTable`). */
  colourTable?: Types.ColorLUT;
  outlineWidth?: number;
  /** Its labels follow setHiddenLabels (the transferred labels). */
  hideable?: boolean;
  /** Label values present (Cornerstone keeps per-label visibility only for declared segments). */
  labels?: number[];
  /** Only in these viewports (default: all). */
  viewports?: readonly ViewportName[];
}

export interface Layer {
  volumeId: string;
  colormap?: string;
  /** One opacity, or opacity by data value (Cornerstone's opacity mapping). */
  opacity?: number | { value: number; opacity: number }[];
  range?: { lower: number; upper: number };
}

const ENGINE = 'labelwarp-engine';
const GROUP = 'labelwarp-tools';
export const VIEWPORTS = ['axial', 'sagittal', 'coronal'] as const;
export type ViewportName = (typeof VIEWPORTS)[number];
let initialised = false;

/** Zoom by the wheel around the point under the cursor (Cornerstone's ZoomTool, told where the cursor is first). */
class CursorZoomTool extends ZoomTool {
  static override toolName = 'CursorZoom';
  override mouseWheelCallback(evt: never): void {
    const detail = (evt as { detail: { points: { world: Types.Point3 }; currentPoints?: unknown } }).detail;
    this.preMouseDownCallback({ detail: { ...detail, currentPoints: detail.points } } as never);
    super.mouseWheelCallback(evt);
  }
}

async function initOnce(): Promise<void> {
  if (initialised) return;
  csInit();
  toolsInit();
  for (const t of [CrosshairsTool, WindowLevelTool, ZoomTool, CursorZoomTool, PanTool, StackScrollTool]) addTool(t);
  initialised = true;
}

const colourTables = new Map<string, Types.ColorLUT>();
/**
 * A label colour table (rgb 0–255 by label value), made once per key. Handed to Cornerstone with
 * each segmentation: its colour tables go when the last segmentation is removed.
 */
export function colourTable(key: string, colours: (label: number) => [number, number, number], maxLabel: number, alpha = 255): Types.ColorLUT {
  let lut = colourTables.get(key);
  if (!lut) {
    lut = [[0, 0, 0, 0]];
    for (let l = 1; l <= maxLabel; l++) lut.push([...colours(l), alpha] as Types.Color);
    colourTables.set(key, lut);
  }
  return lut;
}

/** Exposed for end-to-end tests and debugging. */
(globalThis as unknown as { __labelwarpViewer?: unknown }).__labelwarpViewer = { getRenderingEngine, cache };

export class ReviewViewer {
  private engine?: RenderingEngine;
  private layers: Layer[] = [];
  private maps: Labelmap[] = [];
  private hidden = new Set<number>();
  private initialView?: { centre: Types.Point3; corners: Types.Point3[] };

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
    for (const t of [CrosshairsTool, WindowLevelTool, ZoomTool, CursorZoomTool, PanTool, StackScrollTool]) group.addTool(t.toolName);
    const { MouseBindings: M, KeyboardBindings: K } = ToolEnums;
    group.setToolActive(WindowLevelTool.toolName, { bindings: [{ mouseButton: M.Secondary }] });
    group.setToolActive(ZoomTool.toolName, { bindings: [{ mouseButton: M.Secondary, modifierKey: K.Ctrl }] });
    group.setToolActive(CursorZoomTool.toolName, { bindings: [{ mouseButton: M.Wheel, modifierKey: K.Ctrl }] });
    group.setToolActive(PanTool.toolName, { bindings: [{ mouseButton: M.Auxiliary }, { mouseButton: M.Primary, modifierKey: K.Shift }] });
    group.setToolActive(StackScrollTool.toolName, { bindings: [{ mouseButton: M.Wheel }] });
  }

  private viewport(name: ViewportName): Types.IVolumeViewport {
    return this.engine!.getViewport(name) as Types.IVolumeViewport;
  }

  /** Replaces what is shown: the first layer is the background, the others are blended over it. */
  /**
   * Replaces what is shown: the first layer is the background, the others are blended over it.
   * The cameras go back to the initial view (Cornerstone resets them when the volumes change).
   */
  async show(layers: Layer[]): Promise<void> {
    if (!this.engine) throw new Error('viewer not initialised');
    await setVolumesForViewports(
      this.engine,
      layers.map((l) => ({ volumeId: l.volumeId })),
      [...VIEWPORTS],
    );
    this.layers = layers;
    for (const name of VIEWPORTS) for (const l of layers) this.applyLayer(this.viewport(name), l);
    this.resetView();
    // With an overlay volume Cornerstone fits the cameras once more on the next frame.
    await new Promise((r) => requestAnimationFrame(r));
    this.resetView();
    const group = ToolGroupManager.getToolGroup(GROUP)!;
    if (group.getToolInstance(CrosshairsTool.toolName)) {
      group.setToolActive(CrosshairsTool.toolName, { bindings: [{ mouseButton: ToolEnums.MouseBindings.Primary }] });
    }
    this.engine.render();
  }

  private applyLayer(vp: Types.IVolumeViewport, l: Layer): void {
    // A slice is drawn as a thin slab, and vtk.js scales a sample's opacity by the share of its
    // unit distance that the slab covers (0.05 mm of 1: an opacity of 0.7 showed as 0.06). With the
    // unit distance set to the slab, the opacity given is the opacity seen.
    const actor = vp.getActors().find((a) => a.referencedId === l.volumeId)?.actor as
      | { getProperty?: () => { setScalarOpacityUnitDistance?: (component: number, d: number) => void } }
      | undefined;
    actor?.getProperty?.().setScalarOpacityUnitDistance?.(0, vp.getSlabThickness());
    const props: Record<string, unknown> = {};
    if (l.range) props.voiRange = l.range;
    const opacity = l.opacity ?? 1;
    props.colormap = { name: l.colormap ?? 'Grayscale', opacity };
    vp.setProperties(props as never, l.volumeId);
  }

  /** Changes the opacity of a shown layer. */
  setLayerOpacity(volumeId: string, opacity: Layer['opacity']): void {
    const l = this.layers.find((x) => x.volumeId === volumeId);
    if (!l || !this.engine) return;
    l.opacity = opacity;
    for (const name of VIEWPORTS) this.applyLayer(this.viewport(name), l);
    this.engine.render();
  }

  /**
   * The view the cameras start from and return to on reset: slices through `centre`, zoomed so
   * that the box with these corners fills the viewports. Without one: Cornerstone's own reset.
   */
  setInitialView(centre: Types.Point3, corners: Types.Point3[]): void {
    this.initialView = { centre, corners };
  }

  resetView(): void {
    this.fit();
  }

  /**
   * Fits the initial box into each viewport (zoom) with the slices and view centred on `focal`
   * (each viewport's own focal point when given one per viewport; default: the initial centre).
   * Without an initial view: Cornerstone's own reset.
   */
  private fit(focal?: Partial<Record<ViewportName, Types.Point3>>): void {
    if (!this.engine) return;
    // Every camera reset first, without events: the crosshairs tool answers a reset event by
    // resetting all viewports, which would undo the cameras already placed.
    for (const name of VIEWPORTS) this.viewport(name).resetCamera({ suppressEvents: true });
    for (const name of VIEWPORTS) {
      const vp = this.viewport(name);
      const v = this.initialView;
      if (!v) continue;
      const cam = vp.getCamera();
      const up = cam.viewUp!;
      const normal = cam.viewPlaneNormal!;
      const right = [up[1] * normal[2] - up[2] * normal[1], up[2] * normal[0] - up[0] * normal[2], up[0] * normal[1] - up[1] * normal[0]];
      const extent = (axis: number[]) => {
        const p = v.corners.map((c) => c[0] * axis[0] + c[1] * axis[1] + c[2] * axis[2]);
        return Math.max(...p) - Math.min(...p);
      };
      const { clientWidth: w, clientHeight: h } = this.elements[name];
      const aspect = w > 0 && h > 0 ? w / h : 1;
      const parallelScale = 0.55 * Math.max(extent(up), extent(right) / aspect);
      // Centre the box (or the given point) in view, and put the slice through it.
      const f = focal?.[name] ?? v.centre;
      const d = cam.focalPoint!.map((x, i) => cam.position![i] - x);
      vp.setCamera({ focalPoint: f, position: [f[0] + d[0], f[1] + d[1], f[2] + d[2]] as Types.Point3, parallelScale });
    }
    this.engine.render();
  }

  /** Moves every viewport's slice (and the crosshairs) through a world point, centring it in view. */
  jumpTo(world: Types.Point3): void {
    if (!this.engine) return;
    for (const name of VIEWPORTS) {
      const vp = this.viewport(name);
      const cam = vp.getCamera();
      const d = cam.focalPoint!.map((f, i) => cam.position![i] - f);
      vp.setCamera({ focalPoint: world, position: [world[0] + d[0], world[1] + d[1], world[2] + d[2]] as Types.Point3 });
    }
    this.engine.render();
  }

  /** The cameras of the viewports as they are now (to put back what Cornerstone resets on its own). */
  private cameras(): Record<ViewportName, Types.ICamera> {
    return Object.fromEntries(VIEWPORTS.map((n) => [n, this.viewport(n).getCamera()])) as Record<ViewportName, Types.ICamera>;
  }

  private restoreCameras(saved: Record<ViewportName, Types.ICamera>): void {
    if (!this.engine) return;
    for (const name of VIEWPORTS) {
      const c = saved[name];
      this.viewport(name).setCamera({ focalPoint: c.focalPoint, position: c.position, parallelScale: c.parallelScale, viewUp: c.viewUp, viewPlaneNormal: c.viewPlaneNormal });
    }
    this.engine.render();
  }

  /** Shows label maps as Cornerstone segmentations, replacing earlier ones. */
  async setLabelmaps(maps: Labelmap[]): Promise<void> {
    segmentation.removeAllSegmentationRepresentations();
    segmentation.removeAllSegmentations();
    this.maps = maps;
    if (!maps.length) {
      this.engine?.render();
      return;
    }
    // Cornerstone mounts a label map's volume actor on its next segmentation render and resets the
    // camera then (its attempt to restore the view finds no image ids in a local volume): the
    // slices and zoom of the moment are put back once every viewport has drawn its label maps.
    const saved = this.cameras();
    const viewports = VIEWPORTS.filter((v) => maps.some((m) => !m.viewports || m.viewports.includes(v)));
    const drawn = this.segmentationsDrawn(viewports);
    segmentation.addSegmentations(
      maps.map((m) => ({
        segmentationId: m.segmentationId,
        representation: { type: ToolEnums.SegmentationRepresentations.Labelmap, data: { volumeId: m.volumeId } },
        ...(m.labels ? { config: { segments: Object.fromEntries(m.labels.map((l) => [l, { segmentIndex: l, label: String(l) }])) } } : {}),
      })),
    );
    await segmentation.addLabelmapRepresentationToViewportMap(
      Object.fromEntries(
        VIEWPORTS.map((v) => [
          v,
          maps
            .filter((m) => !m.viewports || m.viewports.includes(v))
            .map((m) => ({ segmentationId: m.segmentationId, ...(m.colourTable === undefined ? {} : { config: { colorLUTOrIndex: m.colourTable } }) })),
        ]),
      ),
    );
    for (const m of maps) this.styleLabelmap(m);
    this.applyVisibility();
    this.engine?.render();
    await drawn;
    this.restoreCameras(saved);
  }

  /** Resolves when each of these viewports has drawn its segmentations once (at most after 10 s). */
  private segmentationsDrawn(viewports: readonly ViewportName[]): Promise<void> {
    const waiting = new Set<string>(viewports);
    return new Promise((resolve) => {
      const done = () => {
        eventTarget.removeEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, onRendered);
        clearTimeout(timer);
        resolve();
      };
      const onRendered = (evt: Event) => {
        waiting.delete((evt as CustomEvent<{ viewportId: string }>).detail.viewportId);
        if (!waiting.size) done();
      };
      const timer = setTimeout(done, 10_000);
      eventTarget.addEventListener(ToolEnums.Events.SEGMENTATION_RENDERED, onRendered);
    });
  }

  private viewportsOf(m: Labelmap): readonly ViewportName[] {
    return m.viewports ?? VIEWPORTS;
  }

  styleLabelmap(m: Labelmap): void {
    const width = m.outlineWidth ?? 2;
    const style = {
      renderFill: m.fill,
      renderOutline: m.outline,
      fillAlpha: m.alpha,
      outlineWidth: width,
      outlineOpacity: 1,
      renderFillInactive: m.fill,
      renderOutlineInactive: m.outline,
      fillAlphaInactive: m.alpha,
      outlineWidthInactive: width,
      outlineOpacityInactive: 1,
    };
    for (const v of this.viewportsOf(m)) {
      segmentation.segmentationStyle.setStyle(
        { type: ToolEnums.SegmentationRepresentations.Labelmap, viewportId: v, segmentationId: m.segmentationId },
        style as never,
      );
      segmentation.segmentationStyle.setRenderInactiveSegmentations(v, true);
    }
    const i = this.maps.findIndex((x) => x.segmentationId === m.segmentationId);
    if (i >= 0) this.maps[i] = m;
    this.engine?.render();
  }

  /** Hides these label values of the hideable label map, shows the others. */
  setHiddenLabels(hidden: Iterable<number>, labels: Iterable<number>): void {
    this.hidden = new Set(hidden);
    this.applyVisibility([...labels]);
    this.engine?.render();
  }

  private applyVisibility(labels?: number[]): void {
    const m = this.maps.find((x) => x.hideable);
    if (!m) return;
    const all = labels ?? [...this.hidden];
    for (const v of this.viewportsOf(m))
      for (const l of all)
        segmentation.config.visibility.setSegmentIndexVisibility(
          v,
          { segmentationId: m.segmentationId, type: ToolEnums.SegmentationRepresentations.Labelmap },
          l,
          !this.hidden.has(l),
        );
  }

  /** World point (LPS mm) under a mouse position in one viewport. */
  worldAt(name: ViewportName, canvasX: number, canvasY: number): Types.Point3 | undefined {
    const vp = this.engine?.getViewport(name);
    return vp ? (vp.canvasToWorld([canvasX, canvasY]) as Types.Point3) : undefined;
  }

  /**
   * After the viewports changed size (window, layout, maximise): the initial zoom fitted to the new
   * size, the slices and the point in the centre kept where they were.
   */
  resize(): void {
    if (!this.engine) return;
    const focal = this.layers.length ? Object.fromEntries(VIEWPORTS.map((n) => [n, this.viewport(n).getCamera().focalPoint!])) : undefined;
    this.engine.resize(true, false);
    if (focal) this.fit(focal);
  }

  dispose(): void {
    ToolGroupManager.destroyToolGroup(GROUP);
    this.engine?.destroy();
    this.engine = undefined;
    this.layers = [];
    cache.purgeCache();
  }
}
