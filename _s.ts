import { compare, demoDataset, SegmentationStats, meanIoU } from "./mod.ts";
const demo = demoDataset();
console.log(demo.numClasses, demo.classNames, demo.height, demo.images.length);
const stats = new SegmentationStats(demo.numClasses, { ignoreIndex: demo.ignoreIndex });
for (const im of demo.images) stats.addImage(im.yTrue, im.yPred);
const c = compare(stats, { batchSizes: [1, 8, 32] });
for (const d of c.definitions) console.log(d.name, d.value.toFixed(4), "|", d.formula, "|", d.why, "|", d.usedBy);
console.log(c.absentClasses, c.predictedOnlyClasses, c.pixels);
console.log(meanIoU(stats, {average:"per-batch", batchSize: 8}));
