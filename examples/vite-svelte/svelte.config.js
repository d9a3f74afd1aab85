// Svelte 5 reads `<script lang="ts">` itself: nothing to preprocess.
export default {};
