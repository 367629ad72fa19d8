#!/bin/bash
# LabelWarp cohort run as a Slurm job array: task K of N takes every N-th scan (--shard K/N) and
# writes into one workspace on storage that every node mounts. Submit with
#   WORKSPACE=/shared/ws SCANS=/shared/scans TEMPLATE_IMAGE=/shared/t.nii.gz \
#   TEMPLATE_LABELS=/shared/t_labels.nii.gz ENGINE=gn sbatch slurm-array.sh
# and then, once it is done (or as a dependent job: sbatch --dependency=afterok:JOBID …):
#   labelwarp cohort summary --workspace /shared/ws --csv /shared/ws/summary.csv
# Resubmitting the same array resumes: finished scans are skipped, interrupted ones redone.
#SBATCH --job-name=labelwarp-cohort
#SBATCH --array=0-3
#SBATCH --cpus-per-task=1
#SBATCH --output=labelwarp-cohort-%A_%a.log
set -euo pipefail

# How to start the command line: an installed `labelwarp`, a clone (node /opt/labelwarp/bin/labelwarp.mjs)
# or the container (apptainer exec labelwarp-cli.sif labelwarp).
LABELWARP=${LABELWARP:-labelwarp}
# More flags for `cohort run` (e.g. LABELWARP_ARGS="--model /shared/models/m --option levels=2").
# The array's size: 0-3 gives 4 tasks (SLURM_ARRAY_TASK_COUNT is set by Slurm 18.08 and newer).
N=${SLURM_ARRAY_TASK_COUNT:-4}

# shellcheck disable=SC2086 # LABELWARP may be a command with arguments
$LABELWARP cohort run \
  --workspace "$WORKSPACE" \
  --template-image "$TEMPLATE_IMAGE" \
  --template-labels "$TEMPLATE_LABELS" \
  --scans "$SCANS" \
  --engine "${ENGINE:-gn}" \
  --shard "$SLURM_ARRAY_TASK_ID/$N" \
  --quiet ${LABELWARP_ARGS:-}
