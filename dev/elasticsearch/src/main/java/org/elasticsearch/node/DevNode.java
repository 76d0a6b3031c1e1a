package org.elasticsearch.node;

import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.ClasspathPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsLoader;
import org.elasticsearch.plugins.PluginsService;

import java.util.List;

/**
 * A {@link Node} whose plugins come straight from the classpath.
 *
 * <p>{@link Node#Node(NodeConstruction)}, {@link NodeConstruction#prepareConstruction} and
 * {@link NodeServiceProvider} are package-private hooks, which is why this class sits in
 * {@code org.elasticsearch.node}.
 */
final class DevNode extends Node {

    DevNode(Environment environment, List<Class<? extends Plugin>> plugins) {
        super(
            NodeConstruction.prepareConstruction(
                environment,
                ClasspathPluginsService.emptyLoader(),
                new ClasspathServiceProvider(plugins),
                true // forbid private index settings, as a real node does
            )
        );
    }

    private static final class ClasspathServiceProvider extends NodeServiceProvider {
        private final List<Class<? extends Plugin>> plugins;

        ClasspathServiceProvider(List<Class<? extends Plugin>> plugins) {
            this.plugins = List.copyOf(plugins);
        }

        @Override
        PluginsService newPluginService(Environment environment, PluginsLoader pluginsLoader) {
            return new ClasspathPluginsService(environment.settings(), environment.configDir(), plugins);
        }
    }
}
